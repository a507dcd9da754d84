/**
 * What web/main.js uses of Web Chat's bundle (botframework-webchat's `webchat.js`, served at /webchat/webchat.js):
 * its one global, `window.WebChat`. Only the members main.js calls, as botframework-webchat 4.18 and
 * botframework-directlinejs 0.15 define them (`createDirectLine.d.ts`; DirectLine's `token` and `conversationId`).
 */
interface WebChatDirectLine {
  readonly token: string;
  readonly conversationId: string;
  end(): void;
}

interface Window {
  readonly WebChat: {
    createDirectLine(options: { token: string; domain?: string; conversationId?: string; webSocket?: boolean }): WebChatDirectLine;
    renderWebChat(
      props: { directLine: WebChatDirectLine; locale: string; nonce: string | null; styleOptions: Record<string, unknown> },
      element: HTMLElement,
    ): void;
  };
}
