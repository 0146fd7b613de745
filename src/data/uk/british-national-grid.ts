// British National Grid (EPSG:27700, OSGB36 Transverse Mercator) ↔ WGS84 with proj4. The towgs84 term is
// the published seven-parameter Helmert transform OSGB36 → ETRS89/WGS84: good to a few metres, which is
// what postcode centroids and comparables need (OSTN15 would give centimetres, at the cost of a grid file).
import proj4 from 'proj4';

const BNG =
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
  '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs';
const converter = proj4(BNG, 'WGS84');

/** Eastings/northings in metres → [latitude, longitude] in degrees. */
export function bngToWgs84(easting: number, northing: number): [number, number] {
  const [lon, lat] = converter.forward([easting, northing]) as [number, number];
  return [lat, lon];
}

/** [latitude, longitude] → [easting, northing]. */
export function wgs84ToBng(latitude: number, longitude: number): [number, number] {
  const [e, n] = converter.inverse([longitude, latitude]) as [number, number];
  return [e, n];
}

/** Whether eastings/northings fall on the grid's land extent (Great Britain and near waters). */
export function onGrid(easting: number, northing: number): boolean {
  return Number.isFinite(easting) && Number.isFinite(northing) && easting > 0 && easting < 700_000 && northing > 0 && northing < 1_300_000;
}
