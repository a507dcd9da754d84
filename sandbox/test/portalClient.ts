/**
 * Walks the sandbox's "My data requests" page the way a person does in a browser: a cookie for the sign-in,
 * the anti-forgery value from each form. Returns each page's HTML; throws on an unexpected page.
 */
export interface PortalWalk {
  signIn(upn: string, password: string): Promise<string>;
  requestExport(): Promise<string>;
  closeAccount(answer: 'yes' | 'no'): Promise<string>;
}

export async function openPortal(portalUrl: string): Promise<PortalWalk> {
  const origin = new URL(portalUrl).origin;
  let cookie = '';
  let page = await (await fetch(portalUrl)).text();
  if (!/<h1>Sign in<\/h1>/.test(page)) throw new Error('the portal did not ask to sign in');
  const post = async (action: string, fields: Record<string, string>) => {
    const response = await fetch(`${origin}${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0] ?? '';
    page = await response.text();
    return page;
  };
  const csrf = () => {
    const value = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!value)
      throw new Error(
        `no form on the page: ${page
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 300)}`,
      );
    return value;
  };
  return {
    signIn: (upn, password) => post('/portal/my-data-requests/signin', { username: upn, password }),
    requestExport: () => post('/portal/my-data-requests/export', { csrf: csrf() }),
    async closeAccount(answer) {
      await post('/portal/my-data-requests/close', { csrf: csrf() });
      if (!/<h1>Close account<\/h1>/.test(page)) throw new Error('the portal did not ask to confirm');
      return post('/portal/my-data-requests/close/confirm', { csrf: csrf(), answer });
    },
  };
}
