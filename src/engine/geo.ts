// Great-circle distance and the rotated coordinates that let axis-aligned tree splits follow
// diagonal boundaries (a river, a ring road) without needing many steps.

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Angles (degrees) of the extra coordinate axes given to the model besides latitude and longitude. */
export const ROTATION_ANGLES = [15, 30, 45, 60, 75, 105, 120, 135, 150, 165] as const;

export function rotatedCoordinate(latitude: number, longitude: number, angleDegrees: number): number {
  const axis = AXES.get(angleDegrees) ?? axisOf(angleDegrees);
  return latitude * axis.cos + longitude * axis.sin;
}

function axisOf(angleDegrees: number): { cos: number; sin: number } {
  const t = angleDegrees * RAD;
  return { cos: Math.cos(t), sin: Math.sin(t) };
}

/** The model's axes, their cosines and sines computed once: every valuation encodes ten of them. */
const AXES = new Map(ROTATION_ANGLES.map((a) => [a as number, axisOf(a)]));
