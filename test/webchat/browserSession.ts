/**
 * One browser's cookies, for tests that play a person's browser with fetch: Web Chat's `getsessionid` call and the
 * sign-in popup share them, as they do in a real browser. Cookies are kept per host, ignoring the port, as
 * browsers do; redirects are followed by hand so each hop gets and sets cookies.
 */
export class BrowserSession {
  private readonly cookies = new Map<string, Map<string, string>>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    let target = url;
    for (let hop = 0; hop < 5; hop++) {
      const host = new URL(target).hostname;
      const jar = this.cookies.get(host) ?? new Map<string, string>();
      const headers = new Headers(init.headers);
      if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(target, { ...init, headers, redirect: 'manual' });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const [name, ...value] = pair.split('=');
        jar.set(name.trim(), value.join('='));
      }
      this.cookies.set(host, jar);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.arrayBuffer();
      target = new URL(location, target).toString();
      init = { method: 'GET' };
    }
    throw new Error(`too many redirects from "${url}"`);
  }

  /** What Web Chat does before opening a sign-in link: `GET {domain}/session/getsessionid` with credentials. */
  async sessionId(domain: string, token: string): Promise<string> {
    const response = await this.fetch(`${domain}/session/getsessionid`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`getsessionid answered ${response.status}`);
    return ((await response.json()) as { sessionId: string }).sessionId;
  }

  /**
   * Opens an OAuth card's link the way Web Chat does (its `code_challenge` appended URI-encoded to the link's last
   * query value, when given), fills in the sign-in form and returns the page shown after submitting.
   */
  async signIn(link: string, username: string, password: string, codeChallenge?: string): Promise<string> {
    const opened = await this.fetch(codeChallenge ? link + encodeURIComponent(`&code_challenge=${codeChallenge}`) : link);
    const form = await opened.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
    const state = field('state');
    if (!state) throw new Error(`sign-in page has no form: ${form.slice(0, 300)}`);
    const challenge = field('code_challenge');
    const submitted = await this.fetch(new URL('signin', opened.url || link).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state, username, password, ...(challenge ? { code_challenge: challenge } : {}) }).toString(),
    });
    return submitted.text();
  }
}
