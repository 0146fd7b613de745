// A uniform latitude-longitude grid over a market's sales, each cell's sales stored together with what a
// search reads of them (coordinates, cos latitude, sale day), so that a box search reads a few short runs
// of memory instead of walking a tree. Built once per market state, like the kd-tree beside it.

/** Height of a cell in degrees of latitude (about 280 m); its width is the same distance at the sales' median latitude. */
const CELL_DEGREES = 0.0025;
// Cell keys: row and column offset to be non-negative and combined into one safe integer.
const COLUMN_OFFSET = 2 ** 20;
const ROW_STRIDE = 2 ** 21;
const ROW_OFFSET = 2 ** 20;

export class SaleGrid {
  private readonly cellHeight = CELL_DEGREES;
  private readonly cellWidth: number;
  private readonly cellOf = new Map<number, number>();
  /** Entries of cell c are cellStart[c] .. cellStart[c + 1] - 1. */
  private readonly cellStart: Int32Array;
  readonly row: Int32Array;
  readonly latitude: Float64Array;
  readonly longitude: Float64Array;
  readonly cosLatitude: Float64Array;
  readonly day: Int32Array;
  /** The last search's runs of entries (see runsIn). */
  runs = new Int32Array(64);

  /** Indexes the given rows (latitude, longitude, day and cos latitude looked up by row). */
  constructor(rows: ArrayLike<number>, latitude: ArrayLike<number>, longitude: ArrayLike<number>, day: ArrayLike<number>) {
    const n = rows.length;
    const lats = Float64Array.from({ length: n }, (_, k) => latitude[rows[k]!]!).sort();
    const referenceLatitude = n ? lats[n >> 1]! : 0;
    this.cellWidth = CELL_DEGREES / Math.max(0.05, Math.cos((referenceLatitude * Math.PI) / 180));
    const keys = new Float64Array(n);
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const r = rows[k]!;
      keys[k] = this.keyOf(Math.floor(latitude[r]! / this.cellHeight), Math.floor(longitude[r]! / this.cellWidth));
      order[k] = k;
    }
    order.sort((a, b) => keys[a]! - keys[b]! || rows[a]! - rows[b]!);
    this.row = new Int32Array(n);
    this.latitude = new Float64Array(n);
    this.longitude = new Float64Array(n);
    this.cosLatitude = new Float64Array(n);
    this.day = new Int32Array(n);
    const starts: number[] = [];
    for (let e = 0; e < n; e++) {
      const k = order[e]!;
      const r = rows[k]!;
      if (e === 0 || keys[k] !== keys[order[e - 1]!]) {
        this.cellOf.set(keys[k]!, starts.length);
        starts.push(e);
      }
      this.row[e] = r;
      this.latitude[e] = latitude[r]!;
      this.longitude[e] = longitude[r]!;
      this.cosLatitude[e] = Math.cos((latitude[r]! * Math.PI) / 180);
      this.day[e] = day[r]!;
    }
    starts.push(n);
    this.cellStart = Int32Array.from(starts);
  }

  /** How many cells (empty or not) the box meets: what a search of it costs at the least. */
  cellsIn(minLatitude: number, minLongitude: number, maxLatitude: number, maxLongitude: number): number {
    const rows = Math.floor(maxLatitude / this.cellHeight) - Math.floor(minLatitude / this.cellHeight) + 1;
    const columns = Math.floor(maxLongitude / this.cellWidth) - Math.floor(minLongitude / this.cellWidth) + 1;
    return rows * columns;
  }

  /**
   * The entries of every non-empty cell that meets the box, as runs: entries runs[2j] .. runs[2j + 1] - 1
   * for j below the returned count. `runs` grows when the box meets more cells than it holds.
   */
  runsIn(minLatitude: number, minLongitude: number, maxLatitude: number, maxLongitude: number): number {
    const row0 = Math.floor(minLatitude / this.cellHeight);
    const row1 = Math.floor(maxLatitude / this.cellHeight);
    const column0 = Math.floor(minLongitude / this.cellWidth);
    const column1 = Math.floor(maxLongitude / this.cellWidth);
    const { cellOf, cellStart } = this;
    let count = 0;
    for (let r = row0; r <= row1; r++) {
      for (let c = column0; c <= column1; c++) {
        const cell = cellOf.get(this.keyOf(r, c));
        if (cell === undefined) continue;
        if (2 * count + 2 > this.runs.length) {
          const grown = new Int32Array(this.runs.length * 2);
          grown.set(this.runs);
          this.runs = grown;
        }
        this.runs[2 * count] = cellStart[cell]!;
        this.runs[2 * count + 1] = cellStart[cell + 1]!;
        count++;
      }
    }
    return count;
  }

  private keyOf(row: number, column: number): number {
    return (row + ROW_OFFSET) * ROW_STRIDE + (column + COLUMN_OFFSET);
  }
}
