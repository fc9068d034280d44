// The local console's page and script: plain DOM built with textContent (stored values are never parsed as HTML),
// polled once a second; each email is shown in a sandboxed srcdoc frame.

export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ISMS leadership, local console</title>
<style>
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45}
body{margin:0;background:#f4f5f7;color:#1a1a1a}
header{background:#0b5cad;color:#fff;padding:.6rem 1rem}
header h1{font-size:1.1rem;margin:0}
header p{margin:.2rem 0 0;font-size:.85rem;opacity:.9}
main{display:grid;gap:1rem;padding:1rem;grid-template-columns:minmax(0,1fr)}
@media (min-width:64rem){main{grid-template-columns:minmax(14rem,18rem) minmax(0,1fr) minmax(16rem,24rem)}}
section{background:#fff;border-radius:.5rem;padding:.75rem;min-width:0}
h2{font-size:1rem;margin:0 0 .5rem}
h3{font-size:.95rem;margin:.75rem 0 .25rem}
ul{list-style:none;margin:0;padding:0}
button.item{display:block;width:100%;text-align:left;font:inherit;background:none;border:0;border-bottom:1px solid #eee;padding:.4rem .25rem;cursor:pointer;overflow-wrap:anywhere}
button.item[aria-pressed=true]{background:#e6f0fa;font-weight:600}
.count{color:#555;font-weight:400}
.muted{color:#555;font-size:.85rem}
iframe{width:100%;height:70vh;border:1px solid #ddd;border-radius:.25rem;background:#fff}
.status{display:inline-block;padding:0 .4rem;border-radius:.25rem;background:#eee;font-size:.85rem}
.card{border-bottom:1px solid #eee;padding:.4rem 0;overflow-wrap:break-word}
#events li{border-bottom:1px solid #eee;padding:.25rem 0;font-size:.9rem;overflow-wrap:break-word}
</style>
</head>
<body>
<header><h1>ISMS leadership, local console</h1><p>Mailboxes of everyone the system writes to, the reviews and requests of each unit, and what the runtime does, live.</p></header>
<main>
<section aria-labelledby="mailboxes-h"><h2 id="mailboxes-h">Mailboxes</h2><ul id="mailboxes"></ul><h3 id="emails-h">Emails</h3><ul id="emails"></ul></section>
<section aria-labelledby="email-h"><h2 id="email-h">Email</h2><p id="email-meta" class="muted">Choose a mailbox, then an email.</p>
<iframe id="email" title="The chosen email" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc=""></iframe></section>
<section aria-labelledby="units-h"><h2 id="units-h">Reviews and requests</h2><div id="units" aria-live="polite"></div>
<h2>Events</h2><ul id="events"></ul></section>
</main>
<script src="/console.js"></script>
</body>
</html>
`;

export const CONSOLE_SCRIPT = `'use strict';
const view = { mailbox: location.hash.startsWith('#mailbox=') ? decodeURIComponent(location.hash.slice(9)) : null, messageId: null };
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') el.addEventListener('click', v);
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}
function when(ms) { return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }); }
async function openEmail(id) {
  view.messageId = id;
  const res = await fetch('/api/emails/' + encodeURIComponent(id));
  if (!res.ok) return;
  const e = await res.json();
  document.getElementById('email-meta').textContent = e.subject + ' · from ' + e.from + ' · ' + when(e.at);
  const frame = document.getElementById('email');
  // Links open in a new tab: the decision page refuses to be framed, as in a mail client.
  frame.srcdoc = e.html ? '<base target="_blank">' + e.html : '<pre style="white-space:pre-wrap;font:14px system-ui">' + e.text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]) + '</pre>';
  render(last);
}
let last = null;
function render(s) {
  if (!s) return;
  last = s;
  const boxes = document.getElementById('mailboxes');
  boxes.replaceChildren(...s.mailboxes.map((m) => h('li', {}, h('button', { class: 'item', type: 'button', 'aria-pressed': String(m.address === view.mailbox), 'data-address': m.address,
    onclick: () => { view.mailbox = m.address; history.replaceState(null, '', '#mailbox=' + encodeURIComponent(m.address)); render(last); } },
    m.address, ' ', h('span', { class: 'count' }, '(' + m.emails.length + ')')))));
  const box = s.mailboxes.find((m) => m.address === view.mailbox);
  const list = box
    ? box.emails.map((e) => h('li', {}, h('button', { class: 'item', type: 'button', 'aria-pressed': String(e.messageId === view.messageId), 'data-message-id': e.messageId,
        onclick: () => openEmail(e.messageId) }, e.subject, h('br'), h('span', { class: 'muted' }, when(e.at)))))
    : [h('li', { class: 'muted' }, 'No mailbox chosen.')];
  document.getElementById('emails').replaceChildren(...list);
  document.getElementById('units').replaceChildren(...s.units.map((u) => h('div', { 'data-unit': u.id },
    h('h3', {}, u.name + ' (' + u.id + ')'),
    ...u.reviews.map((r) => h('div', { class: 'card', 'data-review': r.reviewId },
      h('strong', {}, 'Review ' + r.period), ' ', h('span', { class: 'status' }, r.status), h('br'),
      h('span', { class: 'muted' }, r.approvals),
      r.decided.length ? h('div', {}, 'Decided: ' + r.decided.map((d) => d.name + ' ' + d.choice + ' ' + d.at).join('; ')) : null,
      r.waitingOn.length ? h('div', {}, 'Waiting on: ' + r.waitingOn.join(', ')) : null,
      r.minutesSent ? h('div', { class: 'muted' }, 'Minutes sent ' + r.minutesSent) : null)),
    ...u.requests.map((r) => h('div', { class: 'card', 'data-request': r.requestId },
      h('strong', {}, r.title), ' ', h('span', { class: 'status' }, r.status), h('br'),
      h('span', { class: 'muted' }, r.amount + ', by ' + r.requester),
      h('div', {}, r.levels.map((l) => 'Level ' + l.level + ' ' + l.name + ': ' + l.approver + ', ' + l.state).join('; ')),
      r.waitingOn ? h('div', {}, 'Waiting on: ' + r.waitingOn) : null)),
    !u.reviews.length && !u.requests.length ? h('p', { class: 'muted' }, 'No reviews or requests yet.') : null)));
  document.getElementById('events').replaceChildren(...s.events.map((e) => h('li', {}, h('span', { class: 'muted' }, e.time + ' · ' + e.unit + ' '), e.text)));
}
async function poll() {
  try {
    const res = await fetch('/api/state');
    if (res.ok) render(await res.json());
  } catch {}
  setTimeout(poll, 1000);
}
poll();
`;
