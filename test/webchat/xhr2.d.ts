/** xhr2 ships no types: it exports a constructor with the browser's XMLHttpRequest interface. */
declare module 'xhr2' {
  const XMLHttpRequest: { new (): XMLHttpRequestLike };
  interface XMLHttpRequestLike {
    open(method: string, url: string): void;
    send(body?: unknown): void;
  }
  export default XMLHttpRequest;
}
