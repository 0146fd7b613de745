// Valora's dashboard: a page over the public API, nothing more. It holds the API key in this tab's session
// storage, calls the same endpoints any client does, and writes every value it shows as text (never as
// markup), so nothing from the API can run as script here.
const KEY_STORAGE = 'valora.apiKey';
const $ = (id) => document.getElementById(id);

/** An element with text or child elements; attributes set as properties. */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: text };
  }
  return { status: response.status, body: parsed };
}

/** One line saying what went wrong, from any of the API's error bodies. */
function problem({ status, body }) {
  if (body?.errors) return Object.entries(body.errors).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join('; ');
  if (status === 429) return `${body.error} (retry in ${body.retry_after} s)`;
  return body?.error ?? `HTTP ${status}`;
}

const money = (amount, currency) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency || 'GBP', maximumFractionDigits: 0 }).format(amount);
const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : 'never');

// ---- signing in and out ----

async function showAccount() {
  const r = await api('GET', '/v1/account');
  if (r.status !== 200) return r;
  const a = r.body;
  $('who').textContent = a.email;
  $('balance').textContent = `${a.valuation_balance.toLocaleString('en-GB')} valuations`;
  $('plan').textContent = a.plan_type;
  $('rate-limit').textContent = `${a.api_rate_limit} a minute`;
  $('organisation').textContent = a.organisation_id === null ? 'none' : `#${a.organisation_id} (shared balance)`;
  return r;
}

async function enter() {
  const r = await showAccount();
  if (r.status !== 200) {
    sessionStorage.removeItem(KEY_STORAGE);
    $('sign-in-error').textContent = problem(r);
    return;
  }
  $('sign-in-error').textContent = '';
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  $('nav').hidden = false;
  await Promise.all([loadKeys(), loadLedger(), loadJobs()]);
}

function leave() {
  sessionStorage.removeItem(KEY_STORAGE);
  location.reload();
}

// ---- keys ----

async function loadKeys() {
  const r = await api('GET', '/v1/keys');
  const rows = $('key-list').tBodies[0];
  rows.replaceChildren();
  if (r.status !== 200) return void ($('keys-error').textContent = problem(r));
  const inUse = sessionStorage.getItem(KEY_STORAGE) ?? '';
  for (const k of r.body.keys) {
    const current = !k.revoked_at && inUse.startsWith(k.key_prefix);
    const revoke = k.revoked_at ? '' : el('button', { type: 'button', className: 'link', onclick: () => revokeKey(k.id, current) }, 'Revoke');
    const status = k.revoked_at ? `revoked ${when(k.revoked_at)}` : current ? 'active (signed in with it)' : 'active';
    rows.append(el('tr', {}, el('td', {}, `${k.key_prefix}…`), el('td', {}, k.name ?? ''), el('td', {}, when(k.created_at)), el('td', {}, when(k.last_used_at)), el('td', { className: 'status' }, status), el('td', {}, revoke)));
  }
}

async function createKey(event) {
  event.preventDefault();
  const name = new FormData(event.target).get('name') || null;
  const r = await api('POST', '/v1/keys', { name });
  if (r.status !== 201) return void ($('keys-error').textContent = problem(r));
  $('keys-error').textContent = '';
  const notice = $('new-key');
  notice.replaceChildren('New key (shown once, store it now): ', el('code', { id: 'new-key-value' }, r.body.key));
  notice.hidden = false;
  event.target.reset();
  await loadKeys();
}

async function revokeKey(id, current) {
  const warning = current ? 'This is the key this page is signed in with: revoking it signs you out. Revoke it?' : 'Revoke this key? Requests made with it fail from the next one on.';
  if (!confirm(warning)) return;
  const r = await api('DELETE', `/v1/keys/${id}`);
  if (current && r.status === 200) return leave();
  $('keys-error').textContent = r.status === 200 ? '' : problem(r);
  await loadKeys();
}

// ---- paged lists: the ledger and the jobs ----

/**
 * A table filled from one of the API's paged lists (newest first, `next_before` to the next page), with a
 * button for older rows. Answers the function that (re)loads it from the first page.
 */
function pagedTable(path, itemsOf, table, moreButton, rowOf) {
  let before = null;
  async function load(more = false) {
    const r = await api('GET', `${path}?limit=20${more && before !== null ? `&before=${encodeURIComponent(before)}` : ''}`);
    if (r.status !== 200) return;
    const rows = table.tBodies[0];
    if (!more) rows.replaceChildren();
    rows.append(...itemsOf(r.body).map(rowOf));
    before = r.body.next_before;
    moreButton.hidden = before === null;
  }
  moreButton.addEventListener('click', () => load(true));
  return load;
}

const loadLedger = pagedTable('/v1/account/ledger', (body) => body.entries, $('ledger-list'), $('ledger-more'), (e) =>
  el('tr', {}, el('td', {}, when(e.created_at)), el('td', { className: 'num' }, e.amount > 0 ? `+${e.amount}` : String(e.amount)), el('td', {}, e.reference), el('td', {}, `#${e.account_id}`)),
);

const loadJobs = pagedTable('/v1/jobs', (body) => body.data, $('job-list'), $('jobs-more'), (j) => {
  const kind = j.avm_type ? `${j.kind} (${j.avm_type})` : j.kind;
  const progress = `${j.completed + j.failed} / ${j.total}${j.failed ? ` (${j.failed} failed)` : ''} · ${Math.round(j.progress_pct)}%`;
  return el('tr', {}, el('td', {}, when(j.created_at)), el('td', {}, kind), el('td', { className: 'status' }, j.status), el('td', { className: 'num' }, progress), el('td', {}, el('code', {}, j.job_id)));
});

// ---- valuing ----

async function value(request) {
  $('value-error').textContent = '';
  $('candidates').replaceChildren();
  $('valuation').hidden = true;
  const r = await api('POST', '/v1/valuations', request);
  if (r.status === 400 && r.body?.candidates) {
    $('value-error').textContent = r.body.error;
    for (const c of r.body.candidates) {
      $('candidates').append(el('li', {}, el('button', { type: 'button', className: 'link', onclick: () => value({ ...request, postcode: undefined, address: undefined, property_id: c.property_id }) }, `${c.address ?? '(no address)'}, ${c.postcode ?? ''}`)));
    }
    return;
  }
  if (r.status !== 200) return void ($('value-error').textContent = problem(r));
  if (r.body.status === 'no_value') {
    $('value-error').textContent = `No value: ${r.body.reason_description} (not charged)`;
    return;
  }
  showValuation(r.body);
  await Promise.all([showAccount(), loadLedger()]);
}

function showValuation(v) {
  const currency = v.currency;
  $('predicted-value').textContent = money(v.predicted_value, currency);
  $('valuation-range').textContent = `90% range ${money(v.valuation_range.low, currency)} – ${money(v.valuation_range.high, currency)}`;
  $('confidence').textContent = `Tier ${v.confidence.tier} · FSD ${(v.confidence.fsd * 100).toFixed(1)}% · band ${v.confidence.fsd_band} · ${v.confidence.description}`;
  $('valuation-meta').textContent = `valuation ${v.valuation_id} · ${v.market} as of ${v.valuation_date} · model ${v.model_version} · ${v.processing_time_ms} ms`;

  const p = v.property;
  const facts = [
    ['Address', p.address],
    ['Type', p.type],
    ['Postcode', p.postcode],
    ['Bedrooms', p.bedrooms],
    ['Floor area', p.floor_area_sqm === null ? null : `${p.floor_area_sqm} m²`],
    ['Built', p.construction_period],
    ['EPC', p.epc_rating],
    ['Last sale', p.last_sale ? `${money(p.last_sale.price, currency)} on ${p.last_sale.date}` : null],
  ].filter(([, value]) => value !== null && value !== undefined);
  $('property-facts').replaceChildren(...facts.map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));

  const largest = Math.max(1, ...v.feature_contributions.map((c) => Math.abs(c.contribution)));
  $('contributions').replaceChildren(
    ...v.feature_contributions.flatMap((c) => {
      const share = (Math.abs(c.contribution) / largest) * 50;
      const bar = el('div', { className: `bar ${c.contribution >= 0 ? 'up' : 'down'}` });
      bar.style.width = `${share}%`;
      return [el('span', { className: 'feature' }, c.feature), el('div', { className: 'bar-track' }, bar), el('span', { className: 'num' }, `${c.contribution >= 0 ? '+' : '−'}${money(Math.abs(c.contribution), currency)}`)];
    }),
  );

  const rows = $('comparables').tBodies[0];
  rows.replaceChildren(
    ...v.comparables.map((c) =>
      el('tr', {}, el('td', {}, c.address ?? ''), el('td', {}, c.property_type ?? ''), el('td', {}, c.sale_date), el('td', { className: 'num' }, money(c.sale_price, currency)), el('td', { className: 'num' }, c.floor_area_sqm === null ? '' : `${c.floor_area_sqm} m²`), el('td', { className: 'num' }, `${c.distance_m} m`)),
    ),
  );
  $('valuation').hidden = false;
}

function valueFromForm(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const text = (name) => String(form.get(name) ?? '').trim() || undefined;
  const request = { postcode: text('postcode'), address: text('address'), uprn: text('uprn'), date: text('date') };
  const id = text('property_id');
  if (id !== undefined) request.property_id = Number(id);
  return value(request);
}

// ---- wiring ----

$('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
  return enter();
});
$('sign-out').addEventListener('click', leave);
$('value-form').addEventListener('submit', valueFromForm);
$('new-key-form').addEventListener('submit', createKey);
if (sessionStorage.getItem(KEY_STORAGE)) enter();
