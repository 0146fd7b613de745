// UK open-data tables: the national lookups (postcode centroids, UPRN coordinates) are shared by every
// market; EPC certificates belong to the market they were imported into, linked to its register.

export interface UkPostcodesTable {
  /** Upper-case postcode without spaces. */
  postcode_key: string;
  /** Formatted "M20 2TG". */
  postcode: string;
  latitude: number;
  longitude: number;
  /** British National Grid metres when the source gave them (Code-Point Open), else null. */
  easting: number | null;
  northing: number | null;
  /** Code-Point positional quality (10 best … 90 none), null for ONSPD. */
  quality: number | null;
  /** 'codepoint' | 'onspd' | a demo supplement. */
  source: string;
  updated_at: string;
}

export interface UkUprnsTable {
  uprn: string;
  latitude: number;
  longitude: number;
  easting: number | null;
  northing: number | null;
  updated_at: string;
}

export interface UkEpcCertificatesTable {
  market_id: string;
  lmk_key: string;
  uprn: string | null;
  /** ADDRESS1..3 joined with ", ", as lodged. */
  address: string;
  postcode: string | null;
  postcode_key: string | null;
  /** Normalised address tokens (see src/data/uk/address.ts), for linking. */
  address_key: string;
  lodgement_date: string;
  inspection_date: string | null;
  floor_area: number | null;
  habitable_rooms: number | null;
  /** EPC PROPERTY_TYPE (House, Flat, Bungalow, Maisonette, Park home). */
  property_type: string | null;
  built_form: string | null;
  /** Normalised age band ("1930-1949", "before 1900", "2012-onwards"). */
  construction_period: string | null;
  energy_rating: string | null;
  /** Freehold / Leasehold when stated (owner-occupied, rented … otherwise). */
  tenure: string | null;
  /** The register entry this certificate describes, set by the linker. */
  property_id: number | null;
  created_at: string;
}

export interface UkImportProgressTable {
  market_id: string;
  /** 'ppd' (the only importer that resumes by offset; the others are idempotent by key). */
  kind: string;
  /** Path, size and modification time of the file: a changed file starts again. */
  fingerprint: string;
  /** Bytes and lines committed. */
  offset: number;
  line: number;
  done: number;
  updated_at: string;
}

export interface UkTables {
  uk_postcodes: UkPostcodesTable;
  uk_uprns: UkUprnsTable;
  uk_epc_certificates: UkEpcCertificatesTable;
  uk_import_progress: UkImportProgressTable;
}
