import assert from 'node:assert/strict';

/** A client with a cookie jar of one session, as a browser would keep it; `base` may move to a restarted console. */
export class Visitor {
  cookie = '';
  constructor(
    public base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(pathname: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const res = await fetch(`${this.base}${pathname}`, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...this.headers,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form) : undefined,
    });
    const set = res.headers.getSetCookie();
    if (set.length) this.cookie = set.map((c) => c.split(';')[0]).join('; ');
    return res;
  }

  /** The CSRF token a page's forms carry. */
  async csrf(pathname: string): Promise<string> {
    const html = await (await this.request(pathname)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(token, `no CSRF token on ${pathname}`);
    return token;
  }

  async signIn(token: string): Promise<Response> {
    const _csrf = await this.csrf('/login');
    return this.request('/login', { form: { _csrf, token, next: '/approvals' } });
  }

  /** Who the approvals page says is signed in, or the status and where it sends the visitor instead. */
  async who(): Promise<string> {
    const res = await this.request('/approvals');
    if (res.status !== 200) return `${res.status} ${res.headers.get('location')}`;
    return /Signed in as <strong data-reviewer>([^<]+)</.exec(await res.text())?.[1] ?? 'nobody';
  }
}
