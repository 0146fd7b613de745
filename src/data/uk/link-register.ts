// The register linker: ties each EPC certificate of a market to a property (by UPRN when the certificate
// has one, else by normalised address within its postcode), creates a property for a certificate of an
// address that never sold, geocodes properties by UPRN when its coordinates are known, and writes each
// sale's characteristics as a lender's AVM would have seen them: the newest certificate lodged on or before
// the sale date, else the oldest after it (flagged `epc_after_sale`).
import type { Store } from '../../store/database.js';
import {
  insertRegisterProperties,
  loadEpcCertificates,
  loadPostcodeCentroids,
  loadRegister,
  loadSalesPage,
  loadUprnCoordinates,
  setCertificateProperties,
  updateRegisterProperties,
  updateSaleAttributes,
  type NewRegisterProperty,
  type RegisterPropertyUpdate,
} from '../../store/repositories/uk.js';
import { matchAddressKey, titleCase } from './address.js';
import { bedroomsFromRooms, typeFromEpc } from './uk-fields.js';

export interface LinkReport {
  certificates: number;
  linkedByUprn: number;
  linkedByAddress: number;
  /** Certificates of addresses with no sale: each became a property of its own. */
  propertiesCreated: number;
  /** Certificates neither linked nor placeable (no UPRN coordinates, postcode unknown). */
  unplaced: number;
  propertiesUpdated: number;
  salesUpdated: number;
}

type Certificate = Awaited<ReturnType<typeof loadEpcCertificates>>[number];

interface RegisterEntry {
  id: number;
  key: string;
  postcodeKey: string | null;
  uprn: string | null;
  latitude: number;
  longitude: number;
  attributes: Record<string, unknown>;
  rawAttributes: string;
  certificates: Certificate[];
}

/** The EPC facts a property or a sale carries, by feature name. */
export function epcAttributes(cert: Certificate): Record<string, unknown> {
  const bedrooms = bedroomsFromRooms(cert.habitable_rooms);
  return {
    floor_area: cert.floor_area,
    habitable_rooms: cert.habitable_rooms,
    bedrooms,
    bedrooms_estimated: bedrooms !== null,
    construction_period: cert.construction_period,
    epc_rating: cert.energy_rating,
    built_form: cert.built_form,
    epc_property_type: cert.property_type,
    epc_lmk_key: cert.lmk_key,
    epc_lodged: cert.lodgement_date,
  };
}

export interface LinkOptions {
  /** Sales read per query (default 50,000). */
  salesPageSize?: number;
}

export async function linkUkRegister(store: Store, marketId: string, options: LinkOptions = {}): Promise<LinkReport> {
  const report: LinkReport = { certificates: 0, linkedByUprn: 0, linkedByAddress: 0, propertiesCreated: 0, unplaced: 0, propertiesUpdated: 0, salesUpdated: 0 };
  const certificates = await loadEpcCertificates(store.db, marketId);
  report.certificates = certificates.length;
  if (certificates.length === 0) return report;

  const entries: RegisterEntry[] = (await loadRegister(store.db, marketId)).map((p) => ({
    id: p.id,
    key: p.source_key.slice(p.source_key.indexOf(':') + 1),
    postcodeKey: p.postcode_key,
    uprn: p.uprn,
    latitude: p.latitude,
    longitude: p.longitude,
    attributes: JSON.parse(p.attributes) as Record<string, unknown>,
    rawAttributes: p.attributes,
    certificates: [],
  }));
  const byUprn = new Map<string, RegisterEntry>();
  const byPostcode = new Map<string, RegisterEntry[]>();
  const index = (e: RegisterEntry) => {
    if (e.uprn) byUprn.set(e.uprn, e);
    if (e.postcodeKey) {
      const list = byPostcode.get(e.postcodeKey);
      if (list) list.push(e);
      else byPostcode.set(e.postcodeKey, [e]);
    }
  };
  entries.forEach(index);

  // Certificates oldest first, so the UPRN a property adopts comes from its first certificate and a newer
  // certificate of the same address then links by that UPRN.
  certificates.sort((a, b) => (a.lodgement_date < b.lodgement_date ? -1 : a.lodgement_date > b.lodgement_date ? 1 : a.lmk_key < b.lmk_key ? -1 : 1));
  const unlinked: Certificate[] = [];
  const pendingNew = new Map<string, Certificate[]>();
  for (const cert of certificates) {
    let entry = cert.uprn ? byUprn.get(cert.uprn) : undefined;
    if (entry) report.linkedByUprn++;
    else if (cert.postcode_key) {
      const siblings = byPostcode.get(cert.postcode_key) ?? [];
      // A property already known under another UPRN is a different property, whatever its address says.
      const open = siblings.filter((s) => !cert.uprn || !s.uprn || s.uprn === cert.uprn);
      const key = matchAddressKey(cert.address_key, open.map((s) => s.key));
      entry = key === null ? undefined : open.find((s) => s.key === key);
      if (entry) {
        report.linkedByAddress++;
        if (!entry.uprn && cert.uprn) {
          entry.uprn = cert.uprn;
          byUprn.set(cert.uprn, entry);
        }
      }
    }
    if (entry) entry.certificates.push(cert);
    else unlinked.push(cert);
  }

  // Certificates of addresses with no sale: one new property per distinct (postcode, address) or UPRN.
  for (const cert of unlinked) {
    const groupKey = cert.uprn ? `uprn:${cert.uprn}` : `${cert.postcode_key}:${cert.address_key}`;
    const list = pendingNew.get(groupKey);
    if (list) list.push(cert);
    else pendingNew.set(groupKey, [cert]);
  }
  const centroids = pendingNew.size > 0 ? await loadPostcodeCentroids(store.db) : new Map<string, [number, number]>();
  const allUprns = [...entries.map((e) => e.uprn), ...unlinked.map((c) => c.uprn)].filter((u): u is string => !!u);
  const uprnCoordinates = await loadUprnCoordinates(store.db, allUprns);

  const newRows: NewRegisterProperty[] = [];
  const newCertificates: Certificate[][] = [];
  for (const certs of pendingNew.values()) {
    const newest = certs[certs.length - 1]!;
    const at = (newest.uprn && uprnCoordinates.get(newest.uprn)) || (newest.postcode_key && centroids.get(newest.postcode_key));
    if (!at || !newest.postcode_key) {
      report.unplaced += certs.length;
      continue;
    }
    const type = typeFromEpc(newest.property_type, newest.built_form);
    newRows.push({
      sourceKey: `${newest.postcode_key}:${newest.address_key}`,
      uprn: newest.uprn,
      address: titleCase(newest.address),
      postcode: newest.postcode,
      postcodeKey: newest.postcode_key,
      latitude: at[0],
      longitude: at[1],
      propertyType: type,
      attributes: '{}',
    });
    newCertificates.push(certs);
  }

  await store.db.transaction().execute(async (trx) => {
    const ids = await insertRegisterProperties(trx, marketId, newRows);
    newRows.forEach((row, i) => {
      const entry: RegisterEntry = {
        id: ids.get(row.sourceKey)!,
        key: row.sourceKey.slice(row.sourceKey.indexOf(':') + 1),
        postcodeKey: row.postcodeKey,
        uprn: row.uprn,
        latitude: row.latitude,
        longitude: row.longitude,
        attributes: { property_type: row.propertyType },
        rawAttributes: '',
        certificates: newCertificates[i]!,
      };
      entries.push(entry);
    });
    report.propertiesCreated = newRows.length;

    const updates: RegisterPropertyUpdate[] = [];
    const certificateLinks: Array<{ lmkKey: string; propertyId: number | null }> = [];
    const linked = new Map<number, RegisterEntry>();
    for (const e of entries) {
      if (e.certificates.length === 0) continue;
      linked.set(e.id, e);
      for (const c of e.certificates) certificateLinks.push({ lmkKey: c.lmk_key, propertyId: e.id });
      const newest = e.certificates[e.certificates.length - 1]!;
      const uprn = e.uprn ?? e.certificates.find((c) => c.uprn)?.uprn ?? null;
      const type = (e.attributes.property_type as string | null | undefined) ?? typeFromEpc(newest.property_type, newest.built_form);
      const at = uprn ? uprnCoordinates.get(uprn) : undefined;
      const attributes = {
        ...e.attributes,
        ...epcAttributes(newest),
        property_type: type,
        location_precision: at ? 'uprn' : (e.attributes.location_precision ?? 'postcode'),
      };
      const json = JSON.stringify(attributes);
      const latitude = at ? at[0] : e.latitude;
      const longitude = at ? at[1] : e.longitude;
      if (json !== e.rawAttributes || uprn !== e.uprn || latitude !== e.latitude || longitude !== e.longitude || e.rawAttributes === '') {
        updates.push({ id: e.id, uprn, latitude, longitude, propertyType: type, attributes: json });
      }
    }
    await updateRegisterProperties(trx, updates);
    report.propertiesUpdated = updates.length;
    await setCertificateProperties(trx, marketId, certificateLinks);

    // Sales a page at a time, so a large market's sales never sit in memory at once.
    let afterId = 0;
    for (;;) {
      const page = await loadSalesPage(trx, marketId, afterId, options.salesPageSize ?? 50_000);
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      const saleUpdates: Array<{ id: number; attributes: string }> = [];
      for (const sale of page) {
        const e = linked.get(sale.property_id);
        if (!e) continue;
        const cert = certificateAt(e.certificates, sale.sale_date);
        const current = JSON.parse(sale.attributes) as Record<string, unknown>;
        const next: Record<string, unknown> = {};
        // Keep what the sale record itself said (type, tenure, new build, category); replace the EPC part.
        for (const k of ['property_type', 'tenure', 'new_build', 'ppd_category']) if (k in current) next[k] = current[k];
        Object.assign(next, epcAttributes(cert.certificate));
        next.epc_after_sale = cert.after;
        const json = JSON.stringify(next);
        if (json !== sale.attributes) saleUpdates.push({ id: sale.id, attributes: json });
      }
      await updateSaleAttributes(trx, saleUpdates);
      report.salesUpdated += saleUpdates.length;
    }
  });
  return report;
}

/** The newest certificate lodged on or before `date`, else the oldest after it. Certificates sorted oldest first. */
export function certificateAt<T extends { lodgement_date: string }>(sorted: readonly T[], date: string): { certificate: T; after: boolean } {
  let chosen: T | undefined;
  for (const c of sorted) {
    if (c.lodgement_date <= date) chosen = c;
    else break;
  }
  return chosen ? { certificate: chosen, after: false } : { certificate: sorted[0]!, after: true };
}
