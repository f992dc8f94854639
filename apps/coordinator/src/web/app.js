// The status page's script: reads the operator routes, follows their live feed of request events,
// and renders everything with DOM nodes and textContent, never HTML, so an agent's words stay text.

const TOKEN_KEY = 'c3po.token';
const API = '/api/operator';
/** After an event, wait this long for more before reading everything again. */
const SETTLE_MS = 100;
/** Read everything this often even without events (ages, agents going idle). */
const REFRESH_MS = 5_000;
const RECONNECT_MS = 2_000;

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

function until(iso) {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.round(s / 60)} min`;
  if (s < 86_400) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86_400)} d`;
}

const clock = (iso) => new Date(iso).toLocaleTimeString();
const pill = (text, kind = text) => el('span', { class: `pill ${kind}` }, text);
const empty = (columns, text) => el('tr', { class: 'empty' }, el('td', { colspan: columns }, text));

// ---- talking to the coordinator ----

class Forbidden extends Error {}

async function api(path) {
  const res = await fetch(path, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    cache: 'no-store',
  });
  const body = await res.json().catch(() => undefined);
  if (res.status === 403) throw new Forbidden(body?.error?.message ?? 'Forbidden.');
  if (!res.ok) {
    const error = body?.error;
    throw new Error(error ? `${error.message} ${error.hint ?? ''}` : `HTTP ${res.status}`);
  }
  return body;
}

/** The conversation opened in the address (`#conversation/<id>`), if any. */
const openConversation = () => /^#conversation\/([0-9A-Za-z]{26})$/.exec(location.hash)?.[1];

// ---- screens ----

function showGate(message) {
  stopFollowing();
  $('dashboard').hidden = true;
  $('gate').hidden = false;
  const error = $('gate-error');
  error.hidden = !token;
  error.textContent = token ? `That token was not accepted: ${message}` : '';
  // A refused token is not kept: the next visit asks again.
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  $('forget').hidden = true;
  $('health').replaceChildren();
  setLive(false, 'locked');
}

function showDashboard() {
  $('gate').hidden = true;
  $('dashboard').hidden = false;
  $('forget').hidden = !token;
}

function showProblem(text) {
  $('problem').hidden = !text;
  $('problem').textContent = text ?? '';
}

function setLive(on, text = on ? 'live' : 'reconnecting') {
  $('live').className = `live ${on ? 'on' : ''}`;
  $('live').textContent = text;
}

// ---- rendering ----

function renderHealth(s) {
  const nodes = s.redis.nodes.map((n) => `${n.node} ${n.ok ? 'ok' : (n.error ?? 'down')}`);
  $('health').replaceChildren(
    el(
      'span',
      { class: `pill ${s.redis.ok ? 'online' : 'expired'}`, title: nodes.join('\n') },
      s.redis.ok ? `Redis ok (${s.redis.mode})` : 'Redis unreachable',
    ),
    el(
      'span',
      { class: 'muted' },
      `${s.auth_mode} mode · ${/^\d/.test(s.version) ? 'v' : ''}${s.version}`,
    ),
  );
}

function renderCards(s) {
  const card = (value, label, note) =>
    el('div', { class: 'card' }, el('strong', {}, String(value)), el('span', {}, label), note);
  $('cards').replaceChildren(
    card(
      s.agents.online,
      'agents online',
      el('small', {}, `of ${plural(s.agents.known, 'agent')} known`),
    ),
    card(s.agents.waiting, 'listening now'),
    card(s.requests.in_flight, 'requests in flight'),
    card(s.requests.dead_lettered, 'expired or dead-lettered'),
    card(s.conversations, 'conversations'),
  );
}

function renderAgents({ agents }) {
  const rows = agents.map((a) =>
    el(
      'tr',
      {},
      el(
        'td',
        {},
        el('div', { class: 'agent' }, a.agent_id),
        a.description && el('div', { class: 'muted small' }, a.description),
      ),
      el('td', {}, pill(a.status)),
      el(
        'td',
        {},
        a.waiting ? pill('listening', 'delivered') : el('span', { class: 'muted' }, '—'),
      ),
      el('td', { title: a.last_seen }, ago(a.last_seen)),
      el('td', { class: `num ${a.inbox > 0 ? 'attention' : ''}` }, String(a.inbox)),
    ),
  );
  $('agents').tBodies[0].replaceChildren(
    ...(rows.length > 0 ? rows : [empty(5, 'No agent has connected yet.')]),
  );
}

function renderConversations({ conversations }, openId) {
  const items = conversations.map((c) =>
    el(
      'li',
      { class: c.conversation_id === openId ? 'open' : undefined },
      el(
        'a',
        { href: `#conversation/${c.conversation_id}` },
        el(
          'div',
          { class: 'row' },
          el('span', { class: 'who' }, c.participants.join(' ⇄ ')),
          el('span', { class: 'muted small', title: c.last_activity_at }, ago(c.last_activity_at)),
        ),
        el(
          'div',
          { class: 'preview' },
          el('span', { class: 'muted' }, `${c.last_message.from}: `),
          c.last_message.type === 'cancellation' ? 'cancelled a request' : c.last_message.preview,
        ),
        el('div', { class: 'muted small' }, plural(c.messages, 'message')),
      ),
    ),
  );
  $('conversations').replaceChildren(
    ...(items.length > 0 ? items : [el('li', { class: 'empty' }, 'No conversations yet.')]),
  );
}

function timings(m) {
  const steps = [`sent ${clock(m.created_at)}`];
  if (m.delivered_at) steps.push(`delivered ${clock(m.delivered_at)}`);
  if (m.ended_at) steps.push(`${m.state} ${clock(m.ended_at)}`);
  else if (m.expires_at) steps.push(`expires ${until(m.expires_at)}`);
  return steps.join(' · ');
}

function renderThread(thread) {
  const title = $('thread-title');
  if (!thread) {
    title.textContent = 'Conversation';
    $('thread').replaceChildren(
      el('p', { class: 'muted' }, 'Open a conversation to read it as a thread.'),
    );
    return;
  }
  title.textContent = `Conversation ${thread.participants.join(' ⇄ ')}`;
  const starter = thread.messages[0]?.from;
  const messages = thread.messages.map((m) => {
    const side = m.from === starter ? 'left' : 'right';
    if (m.type === 'cancellation') {
      return el('div', { class: 'note' }, `${m.from} cancelled request ${m.request_id}`);
    }
    if (m.type === 'response') {
      return el(
        'article',
        { class: `msg response ${side}` },
        el(
          'header',
          {},
          el('span', { class: 'who' }, `${m.from} → ${m.to}`),
          pill(m.status === 'success' ? 'answer' : m.status, m.status),
        ),
        el('div', { class: 'text' }, m.response),
        el('footer', {}, clock(m.created_at)),
      );
    }
    return el(
      'article',
      { class: `msg request ${side}` },
      el('header', {}, el('span', { class: 'who' }, `${m.from} → ${m.to}`), pill(m.state)),
      el('div', { class: 'text' }, m.message),
      m.context &&
        el('details', {}, el('summary', {}, 'context'), el('div', { class: 'text' }, m.context)),
      el('footer', {}, timings(m)),
    );
  });
  $('thread').replaceChildren(...messages);
}

function renderRequests({ in_flight, in_flight_total, dead_letters }) {
  const open = in_flight.map((r) =>
    el(
      'tr',
      {},
      el('td', {}, `${r.from} → ${r.to}`),
      el('td', {}, pill(r.state)),
      el('td', { title: r.created_at }, ago(r.created_at)),
      el('td', { title: r.expires_at }, until(r.expires_at)),
      el('td', { class: 'preview' }, r.preview),
    ),
  );
  if (in_flight_total > in_flight.length) {
    open.push(empty(5, `… and ${in_flight_total - in_flight.length} more`));
  }
  $('in-flight').tBodies[0].replaceChildren(
    ...(open.length > 0 ? open : [empty(5, 'Nothing in flight.')]),
  );
  const ended = dead_letters.map((d) =>
    el(
      'tr',
      {},
      el('td', {}, `${d.from} → ${d.to}`),
      el('td', {}, pill(d.reason === 'expired' ? 'expired' : 'dead-lettered', 'expired')),
      el('td', { class: 'num' }, String(d.deliveries)),
      el('td', { title: `created ${d.created_at}, ended ${d.ended_at}` }, ago(d.created_at)),
      el('td', { class: 'preview' }, d.preview),
    ),
  );
  $('dead-letters').tBodies[0].replaceChildren(...(ended.length > 0 ? ended : [empty(5, 'None.')]));
}

// ---- reading and following ----

let reading = false;
let readAgain = false;
let settleTimer;

/** Reads everything shown, then renders it; one read at a time, the latest request wins. */
async function refresh() {
  if (reading) {
    readAgain = true;
    return;
  }
  reading = true;
  try {
    const openId = openConversation();
    const thread = openId
      ? api(`${API}/conversations/${openId}`).catch((err) => {
          if (err instanceof Forbidden) throw err;
          return undefined;
        })
      : undefined;
    const [status, agents, conversations, requests] = await Promise.all([
      api(`${API}/status`),
      api(`${API}/agents`),
      api(`${API}/conversations`),
      api(`${API}/requests`),
    ]);
    showDashboard();
    showProblem(undefined);
    renderHealth(status);
    renderCards(status);
    renderAgents(agents);
    renderConversations(conversations, openId);
    renderThread(await thread);
    renderRequests(requests);
    follow();
  } catch (err) {
    if (err instanceof Forbidden) showGate(err.message);
    else showProblem(`Cannot read the coordinator: ${err.message}`);
  } finally {
    reading = false;
    if (readAgain) {
      readAgain = false;
      soon();
    }
  }
}

function soon() {
  clearTimeout(settleTimer);
  settleTimer = setTimeout(refresh, SETTLE_MS);
}

let following;

/** Follows the live feed (server-sent events over fetch, which can send the token). */
function follow() {
  if (following) return;
  following = new AbortController();
  const { signal } = following;
  const run = async () => {
    while (!signal.aborted) {
      try {
        const res = await fetch(`${API}/events`, {
          headers: token ? { Authorization: `Bearer ${token}` } : {},
          signal,
        });
        if (res.status === 403) {
          showGate('Forbidden.');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        setLive(true);
        soon();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          if (blocks.some((b) => b.split('\n').some((line) => line.startsWith('data:')))) soon();
        }
      } catch {
        // Reconnect below, unless we stopped on purpose.
      }
      if (signal.aborted) return;
      setLive(false);
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  };
  run();
}

function stopFollowing() {
  following?.abort();
  following = undefined;
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  $('token').value = '';
  sessionStorage.setItem(TOKEN_KEY, token);
  refresh();
});

$('forget').addEventListener('click', () => {
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  stopFollowing();
  refresh();
});

window.addEventListener('hashchange', refresh);
setInterval(() => {
  if (!$('dashboard').hidden) refresh();
}, REFRESH_MS);
refresh();
