// The geminiflow console's only script (served from this origin; the Content-Security-Policy allows no other).
// It keeps times current and the page live: when the server says something changed, the page fetches itself again
// and swaps its content in, unless the person is in the middle of filling in a form. A lost connection shows a
// notice and is tried again with backoff; every (re)connection reads the page again; a session that ended takes the
// reviewer to sign in.

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
  /** The notice above the page: a sentence, and an optional link (built as elements: nothing is parsed as HTML). */
  function say(text, link) {
    status.replaceChildren(text);
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      status.append(' ', a);
    }
    status.hidden = !text;
  }
  function setState(state) {
    document.body.dataset.liveState = state;
  }
  /** While the console cannot be reached, or the session ended, a decision could not be sent: no button offers one. */
  function canSend(yes) {
    for (const button of document.querySelectorAll('#page form[method="post"] button')) button.disabled = !yes;
  }

  document.addEventListener('input', (event) => {
    const form = event.target.closest?.('form[method="post"]');
    if (form) form.dataset.dirty = 'true';
  });

  /** The page as the server rendered it, without the one-time flash message, to tell whether anything changed. */
  function shape(page) {
    const copy = page.cloneNode(true);
    for (const flash of copy.querySelectorAll('.flash')) flash.remove();
    return copy.outerHTML;
  }
  const pageNow = () => document.getElementById('page');
  let shown = shape(pageNow());
  const changedText =
    'This page changed elsewhere (another person, the CLI). Reload to see it; what you typed is not sent.';
  let changedElsewhere = false;

  // Token sign-in has a page of its own; behind an authenticating proxy, loading the page again lets the proxy ask.
  const signInUrl = () =>
    document.body.dataset.signIn
      ? `${document.body.dataset.signIn}?next=${encodeURIComponent(location.pathname + location.search)}&ended=1`
      : location.href;

  /**
   * Reads this page again from the server and swaps the new content in when it differs. Resolves with what happened:
   * 'ok' (read), 'signed-out' (the server sends the page to sign in), 'down' (no answer) or 'failed' (an error page).
   * A request made while a reading is under way gets one more reading after it, so no change falls between the two.
   */
  let reading;
  let readAgain = false;
  function refresh() {
    if (reading) {
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      let outcome;
      do {
        readAgain = false;
        outcome = await readPage();
      } while (readAgain && outcome === 'ok');
      return outcome;
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  }
  async function readPage() {
    let res;
    try {
      res = await fetch(location.href, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { accept: 'text/html' },
      });
    } catch {
      return 'down';
    }
    if (res.status === 401 || (res.redirected && new URL(res.url).pathname === '/login')) return 'signed-out';
    if (res.status >= 500 || res.redirected) return 'failed';
    const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('page');
    const current = document.getElementById('page');
    if (!fresh || !current) return 'failed';
    document.body.dataset.read = String(Number(document.body.dataset.read || 0) + 1);
    const freshShape = shape(fresh);
    if (freshShape === shown) {
      current.classList.remove('stale');
      return 'ok';
    }
    // What the person typed, or a form sent back with its errors (a POST's answer), is never swapped away.
    if (current.querySelector('form[data-dirty]') || current.dataset.posted !== undefined) {
      current.classList.add('stale');
      changedElsewhere = true;
      say(changedText);
      return 'ok';
    }
    const flash = current.querySelector('main > .flash');
    if (flash && !fresh.querySelector('main > .flash')) fresh.querySelector('main')?.prepend(flash);
    current.replaceWith(fresh);
    shown = freshShape;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
    tick();
    return 'ok';
  }

  /**
   * The live connection. While it is lost the page says so, shows its content as possibly out of date, and tries
   * again after 1, 2, 4 ... up to 15 seconds (with some jitter, so pages do not all come back at once). Each try reads
   * the page first: a console that restarted has its state read again before the page says it is live, and one that
   * no longer knows the session takes the reviewer to sign in.
   */
  const endpoint = document.body.dataset.live;
  let events;
  let connected = false;
  let attempts = 0;
  let retryAt = 0;
  let retryTimer;
  // Leaving the page closes its connection too: that is not a lost one.
  let leaving = false;
  window.addEventListener('pagehide', () => {
    leaving = true;
    events?.close();
  });
  window.addEventListener('pageshow', (event) => {
    leaving = false;
    if (event.persisted && endpoint && document.body.dataset.liveState !== 'signed-out') connect();
  });

  function connect() {
    events = new EventSource(endpoint);
    events.addEventListener('ready', (event) => {
      attempts = 0;
      setState('ready');
      canSend(true);
      say(changedElsewhere ? changedText : '');
      // A later connection may have missed changes; the first one only those seen after the server read this page.
      const changedAt = Number(JSON.parse(event.data || '{}').changedAt) || 0;
      const readAt = Number(document.body.dataset.readAt) || 0;
      if (connected || (changedAt >= readAt && pageNow().dataset.posted === undefined)) void refresh().then(settle);
      connected = true;
    });
    events.addEventListener('change', () => void refresh().then(settle));
    events.addEventListener('unavailable', () => {
      setState('unavailable');
      say('Temporal does not answer right now; this page updates again when it does.');
    });
    events.addEventListener('error', () => {
      events.close();
      lost();
    });
  }

  /** What a reading says about the connection, when it did not go well. */
  function settle(outcome) {
    if (outcome === 'signed-out') signedOut();
    else if (outcome === 'down' && events?.readyState !== EventSource.OPEN) lost();
  }

  function lost() {
    if (leaving || document.body.dataset.liveState === 'signed-out' || retryTimer) return;
    setState('reconnecting');
    pageNow()?.classList.add('stale');
    canSend(false);
    const delay = Math.min(15000, 1000 * 2 ** attempts) * (0.8 + Math.random() * 0.4);
    attempts += 1;
    retryAt = Date.now() + delay;
    sayLost();
    retryTimer = setTimeout(retry, delay);
  }

  function sayLost() {
    const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    say(
      `Lost the connection to the console: this page may be out of date. ${
        seconds > 0 ? `Trying again in ${seconds} s.` : 'Trying again now.'
      }`,
    );
  }

  async function retry() {
    retryTimer = undefined;
    const outcome = await refresh();
    if (outcome === 'signed-out') return signedOut();
    if (outcome !== 'ok') return lost();
    connect();
  }

  function signedOut() {
    if (document.body.dataset.liveState === 'signed-out') return;
    setState('signed-out');
    events?.close();
    clearTimeout(retryTimer);
    pageNow()?.classList.add('stale');
    canSend(false);
    const link = { href: signInUrl(), text: 'Sign in again' };
    if (document.querySelector('#page form[data-dirty]')) {
      say('You are signed out: this page is out of date and cannot decide anything. Copy what you typed, then:', link);
    } else {
      say('You are signed out: this page is out of date. Taking you to sign in…', link);
      setTimeout(() => location.assign(link.href), 1500);
    }
  }

  if (endpoint && 'EventSource' in window) connect();

  function tickNotice() {
    if (document.body.dataset.liveState === 'reconnecting' && retryTimer) sayLost();
  }

  tick();
  setInterval(() => {
    tick();
    tickNotice();
  }, 1000);
})();
