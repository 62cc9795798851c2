// The geminiflow console's only script (served from this origin; the Content-Security-Policy allows no other).
// It keeps times current and the page live: when the server says something changed, the page fetches itself again
// and swaps its content in, unless the person is in the middle of filling in a form.

(() => {
  // A sign-in link (geminiflow dev prints one) carries the token in the fragment, which no server or log sees: fill it
  // in and sign in, and take it out of the address bar and the history.
  const linked = /^#token=([\w-]+)$/.exec(location.hash);
  const login = document.querySelector('form[action="/login"]');
  if (linked && login) {
    history.replaceState(null, '', location.pathname + location.search);
    login.querySelector('input[name="token"]').value = linked[1];
    login.submit();
    return;
  }

  const units = [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ];

  function span(ms) {
    const parts = [];
    let left = Math.abs(ms);
    for (const [unit, size] of units) {
      if (left >= size || (unit === 's' && parts.length === 0)) {
        parts.push(`${Math.floor(left / size)}${unit}`);
        left %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(' ');
  }

  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll('time[data-live]')) {
      const at = Date.parse(el.getAttribute('datetime'));
      if (Number.isNaN(at)) continue;
      const ms = at - now;
      if (el.dataset.live === 'left') {
        el.textContent = ms > 0 ? `in ${span(ms)}` : 'passed';
        el.classList.toggle('soon', ms > 0 && ms < 5 * 60000);
      } else {
        el.textContent = ms < -1000 ? `${span(ms)} ago` : 'just now';
      }
      el.title = new Date(at).toLocaleString();
    }
  }

  const status = document.getElementById('live-status');
  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  document.addEventListener('input', (event) => {
    const form = event.target.closest?.('form[method="post"]');
    if (form) form.dataset.dirty = 'true';
  });

  let refreshing = false;
  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const res = await fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!res.ok || res.redirected) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('page');
      const current = document.getElementById('page');
      if (!fresh || !current) return;
      if (current.querySelector('form[data-dirty]')) {
        say('This page changed elsewhere (another person, the CLI). Reload to see it; what you typed is not sent.');
        return;
      }
      current.replaceWith(fresh);
      document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
      tick();
    } finally {
      refreshing = false;
    }
  }

  const endpoint = document.body.dataset.live;
  if (endpoint && 'EventSource' in window) {
    const events = new EventSource(endpoint);
    events.addEventListener('ready', () => {
      document.body.dataset.liveState = 'ready';
      say('');
    });
    events.addEventListener('change', () => void refresh());
    events.addEventListener('unavailable', () =>
      say('Temporal does not answer right now; this page updates again when it does.'),
    );
    events.addEventListener('error', () => {
      document.body.dataset.liveState = 'reconnecting';
    });
  }

  tick();
  setInterval(tick, 1000);
})();
