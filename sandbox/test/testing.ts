/**
 * The sandbox's test helpers for its host's tests, as `@account-closure-bot/sandbox/testing`: a sandbox on a
 * temporary folder, the demo seed's names, and a person's walk through sign-in and the "My data requests" page.
 */
import { inPageLanguage, pageString, type PageLanguage } from '../pageStrings';

export * from './helpers';
export { openPortal, type PortalWalk } from './portalClient';

/** A sandbox page's string in `language` (sandbox/locales/*.json), e.g. `signIn.username`, to find it on the page. */
export function sandboxPageString(language: PageLanguage, key: string): string {
  return inPageLanguage(language, () => pageString(key));
}
