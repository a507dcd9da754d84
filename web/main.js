// Starts Web Chat: asks the bot's server for a Direct Line token (the secret stays on the server), then renders
// Web Chat from the bundle served at /webchat/webchat.js. Web Chat's default transport, the WebSocket stream (Azure
// Direct Line and the sandbox both offer it); when the stream cannot be opened at all (a proxy or a policy that
// blocks WebSockets), the chat starts again on the same conversation with polling, which works everywhere.
(function () {
  'use strict';

  // Both are in web/index.html, which is served with this script.
  var status = /** @type {HTMLElement} */ (document.getElementById('chat-status'));
  var nonce = /** @type {Element} */ (document.querySelector('meta[name="webchat-nonce"]')).getAttribute('content');

  /** @param {string} message */
  function showProblem(message) {
    status.textContent = message;
    status.classList.add('error');
  }

  async function start() {
    var response = await fetch('/api/webchat/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      credentials: 'same-origin',
    });
    /** @type {unknown} */
    var answer = await response.json().catch(function () {
      return {};
    });
    // The token route's answer (server/webchatRoutes.ts): a token and Direct Line's domain, or an error in words.
    var body = /** @type {{ token: string, domain?: string, error?: { message?: string } }} */ (answer);
    if (!response.ok) {
      throw new Error((body && body.error && body.error.message) || 'The chat could not start (' + response.status + ').');
    }
    var fellBack = false;
    // Web Chat's createDirectLine passes no WebSocket option on, and directlinejs takes the global constructor when
    // it is created: the watched one is in place for that moment only.
    var NativeWebSocket = window.WebSocket;
    window.WebSocket = watchedWebSocket(NativeWebSocket, fallBackToPolling);
    /** @type {WebChatDirectLine} */
    var current;
    try {
      current = window.WebChat.createDirectLine({ token: body.token, domain: body.domain });
    } finally {
      window.WebSocket = NativeWebSocket;
    }
    render(current);

    function fallBackToPolling() {
      if (fellBack) return;
      fellBack = true;
      // The same conversation with the same (refreshed) token: polling from its start shows what the stream never
      // delivered. A fresh element, so Web Chat starts over instead of mixing two connections in one store.
      var polling = window.WebChat.createDirectLine({
        token: current.token,
        conversationId: current.conversationId,
        domain: body.domain,
        webSocket: false,
      });
      current.end();
      current = polling;
      var old = /** @type {HTMLElement} */ (document.getElementById('webchat'));
      var fresh = old.cloneNode(false);
      /** @type {Node} */ (old.parentNode).replaceChild(fresh, old);
      render(polling);
    }
  }

  /**
   * A WebSocket constructor for directlinejs that calls `onUnavailable` when a stream closes without ever having
   * opened, instead of letting directlinejs retry a blocked stream for good while the chat stays empty.
   * @param {typeof WebSocket} NativeWebSocket
   * @param {() => void} onUnavailable
   * @returns {typeof WebSocket} a plain function that directlinejs calls with `new`: a constructor that returns an object makes that object the result.
   */
  function watchedWebSocket(NativeWebSocket, onUnavailable) {
    /** @param {string | URL} url */
    function WatchedWebSocket(url) {
      var socket;
      try {
        socket = new NativeWebSocket(url);
      } catch (error) {
        // Chromium throws at once when the page's Content-Security-Policy blocks the stream's origin.
        onUnavailable();
        throw error;
      }
      var opened = false;
      socket.addEventListener('open', function () {
        opened = true;
      });
      socket.addEventListener('close', function () {
        if (!opened) onUnavailable();
      });
      return socket;
    }
    WatchedWebSocket.CONNECTING = 0;
    WatchedWebSocket.OPEN = 1;
    WatchedWebSocket.CLOSING = 2;
    WatchedWebSocket.CLOSED = 3;
    return /** @type {typeof WebSocket} */ (/** @type {unknown} */ (WatchedWebSocket));
  }

  /** @param {WebChatDirectLine} directLine */
  function render(directLine) {
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        // No userID: Web Chat reads it from the token, which binds the dl_ id the server chose (it refuses one passed here).
        // The reader's language: Web Chat puts it on every activity as `locale`, and the bot answers in it.
        locale: navigator.language || 'en-US',
        // Web Chat's emotion styles carry the page's nonce, so the Content-Security-Policy needs no 'unsafe-inline'.
        nonce: nonce,
        styleOptions: {
          accent: '#0b5cad',
          botAvatarInitials: 'Bot',
          userAvatarInitials: 'You',
          // White bubbles with a border: Web Chat's fixed card colours (attention #D13438) keep 4.5:1 only on white.
          bubbleBackground: '#ffffff',
          bubbleBorderColor: '#c8ccd4',
          bubbleBorderWidth: 1,
          bubbleBorderRadius: 8,
          bubbleFromUserBackground: '#0b5cad',
          bubbleFromUserTextColor: '#ffffff',
          bubbleFromUserBorderRadius: 8,
          hideUploadButton: true,
          // Subtle card text (isSubtle) on the bubble background: the default grey falls under WCAG AA's 4.5:1.
          subtle: '#4f5661',
          primaryFont: '"Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
          sendBoxBorderTop: 'solid 1px #c8ccd4',
          suggestedActionBorderRadius: 6,
        },
      },
      /** @type {HTMLElement} */ (document.getElementById('webchat')),
    );
    status.textContent = '';
  }

  start().catch(function (/** @type {unknown} */ error) {
    showProblem(error instanceof Error && error.message ? error.message : 'The chat could not start. Please reload the page.');
  });
})();
