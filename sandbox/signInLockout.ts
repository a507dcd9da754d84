/**
 * Sign-in throttling in the manner of Entra smart lockout: after a few wrong passwords for one account within a
 * minute, the account is locked for a minute and even the right password is refused (AADSTS50053), so guessing
 * costs time instead of the sandbox's CPU. Entra's defaults are 10 failures and 60 seconds
 * (https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout); the sandbox locks
 * sooner, and counts per sign-in name only (Entra also tells familiar from unfamiliar locations). In memory: a
 * restart unlocks every account.
 */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_WINDOW_MS = 60_000;
export const LOCKOUT_DURATION_MS = 60_000;

export class SignInLockout {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** True while the account is locked out. */
  isLocked(signInName: string): boolean {
    const key = signInName.trim().toLowerCase();
    const until = this.lockedUntil.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.lockedUntil.delete(key);
    return false;
  }

  /** Records a wrong password; true when this one locked the account. */
  recordFailure(signInName: string): boolean {
    const key = signInName.trim().toLowerCase();
    const now = this.now();
    const recent = (this.failures.get(key) ?? []).filter((at) => at > now - LOCKOUT_WINDOW_MS);
    recent.push(now);
    if (recent.length < LOCKOUT_THRESHOLD) {
      this.failures.set(key, recent);
      return false;
    }
    this.failures.delete(key);
    this.lockedUntil.set(key, now + LOCKOUT_DURATION_MS);
    return true;
  }

  recordSuccess(signInName: string): void {
    this.failures.delete(signInName.trim().toLowerCase());
  }
}
