// Gadsden's published code examples (curl, Python, Node), run against a real Valora server on the bundled
// synthetic demo market with only the base URL and key changed. The example code is kept as published.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildServer } from '../../src/api/server.js';
import { ensureDemoUkMarket } from '../../src/data/uk/ensure-demo-market.js';
import { createAccount } from '../../src/services/accounts/create-account.js';
import { prepareEngine } from '../../src/services/prepare-engine.js';
import type { Store } from '../../src/store/database.js';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../support/stores.js';

const run = promisify(execFile);

function hasPythonRequests(): boolean {
  try {
    execFileSync('python3', ['-c', 'import requests'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PYTHON = (base: string, key: string) => `import requests

API_KEY = "${key}"
BASE_URL = "${base}/v1"
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json",
}

# Single valuation
response = requests.post(
    f"{BASE_URL}/valuations",
    headers=HEADERS,
    json={"postcode": "M20 2TG", "address": "Wilmslow Road"},
)
data = response.json()

if data["status"] == "success":
    print(f"Value: £{data['predicted_value']:,}")
    print(f"Range: £{data['valuation_range']['low']:,} – £{data['valuation_range']['high']:,}")
    print(f"Confidence: Tier {data['confidence']['tier']} ({data['confidence']['fsd_band']})")
elif data["status"] == "no_value":
    print(f"No value: {data['reason_description']}")

# Batch valuation
batch_response = requests.post(
    f"{BASE_URL}/valuations/batch",
    headers=HEADERS,
    json={
        "properties": [
            {"uprn": 100012345678},
            {"postcode": "SW1A 1AA"},
            {"postcode": "M1 1AA", "address": "Piccadilly"},
        ]
    },
)
for result in batch_response.json()["results"]:
    if result.get("status") == "success":
        print(f"Property {result['property_id']}: £{result['predicted_value']:,}")
    elif result.get("status") == "no_value":
        print(f"Property {result['property_id']}: no value ({result['reason']})")
    else:
        print(f"Error: {result.get('error')}")

# Check valuation balance
account = requests.get(f"{BASE_URL}/account", headers=HEADERS).json()
print(f"Valuations remaining: {account['valuation_balance']}")
`;

const NODE = (base: string, key: string) => `const API_KEY = "${key}";
const BASE_URL = "${base}/v1";

async function valuate(postcode, address) {
  const response = await fetch(\`\${BASE_URL}/valuations\`, {
    method: "POST",
    headers: {
      Authorization: \`Bearer \${API_KEY}\`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ postcode, address }),
  });

  if (!response.ok) {
    const err = await response.json();
    throw new Error(\`\${response.status}: \${err.error}\`);
  }

  return response.json();
}

// Single valuation
const data = await valuate("M20 2TG", "Wilmslow Road");
if (data.status === "success") {
  console.log(\`Value: £\${data.predicted_value.toLocaleString()}\`);
  console.log(\`Confidence: Tier \${data.confidence.tier} (\${data.confidence.fsd_band})\`);
} else {
  console.log(\`No value: \${data.reason_description}\`);
}

// Check valuation balance
const account = await fetch(\`\${BASE_URL}/account\`, {
  headers: { Authorization: \`Bearer \${API_KEY}\` },
}).then((r) => r.json());
console.log(\`Valuations: \${account.valuation_balance}\`);
`;

for (const name of storeTargetNames()) {
  describe(`Gadsden's code examples against the demo market on ${name}`, () => {
    let target: StoreTarget;
    let store: Store;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let base = '';
    let key = '';
    const dir = mkdtempSync(join(tmpdir(), 'valora-gadsden-'));

    before(async () => {
      target = await createStoreTarget(name);
      store = await target.open();
      await ensureDemoUkMarket(store, { dataDir: dir });
      const engine = await prepareEngine(store, { markets: ['uk-demo-manchester'] });
      app = await buildServer({ store, engine, logger: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      key = (await createAccount(store, { email: `gadsden-${name}@example.com`, credits: 100, withKey: true })).apiKey!;
    });
    after(async () => {
      await app?.close();
      await store?.close();
      await target?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('curl: the quick start, by UPRN, the batch and the balance', async () => {
      const curl = async (args: string[]) => JSON.parse((await run('curl', ['-s', ...args])).stdout);
      const quick = await curl(['-X', 'POST', `${base}/v1/valuations`, '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '-d', '{"postcode": "M20 2TG", "address": "Wilmslow Road"}']);
      assert.equal(quick.status, 'success');
      assert.equal(quick.property.address, '42 Wilmslow Road, Didsbury');
      assert.ok(quick.predicted_value > 0 && quick.valuation_range.low < quick.predicted_value && quick.valuation_range.high > quick.predicted_value);
      for (const field of ['valuation_id', 'property_id', 'uprn', 'confidence', 'property', 'comparables', 'feature_contributions', 'model_version', 'processing_time_ms']) assert.ok(field in quick, field);
      const byUprn = await curl(['-X', 'POST', `${base}/v1/valuations`, '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '-d', '{"uprn": 100012345678}']);
      assert.equal(byUprn.property_id, quick.property_id);
      const batch = await curl(['-X', 'POST', `${base}/v1/valuations/batch`, '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '-d', '{"properties": [{"uprn": 100012345678}, {"postcode": "SW1A 1AA"}]}']);
      assert.equal(batch.total, 2);
      assert.equal(batch.results[0].status, 'success');
      assert.deepEqual(batch.results[1], { input: { postcode: 'SW1A 1AA' }, error: 'Property not found' });
      const account = await curl([`${base}/v1/account`, '-H', `Authorization: Bearer ${key}`]);
      assert.equal(account.valuation_balance, 97);
    });

    it('Python: runs unchanged and prints a value, the batch lines and the balance', { skip: hasPythonRequests() ? false : 'python3 with requests is not installed' }, async () => {
      const file = join(dir, 'example.py');
      writeFileSync(file, PYTHON(base, key));
      const { stdout } = await run('python3', [file]);
      assert.match(stdout, /^Value: £[\d,]+\nRange: £[\d,]+ – £[\d,]+\nConfidence: Tier [123] \([ABC]\)/);
      assert.match(stdout, /Property \d+: £[\d,]+\nError: Property not found\nProperty \d+: (£[\d,]+|no value)/);
      assert.match(stdout, /Valuations remaining: \d+\n$/);
    });

    it('Node: runs unchanged and prints a value and the balance', async () => {
      const file = join(dir, 'example.mjs');
      writeFileSync(file, NODE(base, key));
      const { stdout } = await run(process.execPath, [file]);
      assert.match(stdout, /^Value: £[\d,]+\nConfidence: Tier [123] \([ABC]\)\nValuations: \d+\n$/);
    });
  });
}
