// Starts Web Chat: asks the bot's server for a Direct Line token (the secret stays on the server), then renders
// Web Chat from the bundle served at /webchat/webchat.js. Web Chat's default transport, the WebSocket stream (Azure
// Direct Line and the sandbox both offer it); when the stream cannot be opened at all (a proxy or a policy that
// blocks WebSockets), the chat starts again on the same conversation with polling, which works everywhere.
(function () {
  'use strict';

  var status = document.getElementById('chat-status');
  var nonce = document.querySelector('meta[name="webchat-nonce"]').getAttribute('content');
  // The page's words in its language, written by the server from locales/*.json (server/webchat/chatPage.ts).
  var strings = JSON.parse(document.querySelector('meta[name="webchat-strings"]').getAttribute('content'));

  function showProblem(message) {
    status.textContent = message;
    status.classList.add('error');
  }

  async function start() {
    var response = await fetch('/api/webchat/token', {
      method: 'POST',
      // The server's problem messages in the page's language, which ?locale= may have chosen over the browser's.
      headers: { 'content-type': 'application/json', 'accept-language': strings.locale },
      body: '{}',
      credentials: 'same-origin',
    });
    var body = await response.json().catch(function () {
      return {};
    });
    if (!response.ok) {
      throw new Error((body && body.error && body.error.message) || strings.cannotStart);
    }
    var fellBack = false;
    // Web Chat's createDirectLine passes no WebSocket option on, and directlinejs takes the global constructor when
    // it is created: the watched one is in place for that moment only.
    var NativeWebSocket = window.WebSocket;
    window.WebSocket = watchedWebSocket(NativeWebSocket, fallBackToPolling);
    var current;
    try {
      // The start's locale reaches the bot on the conversationUpdate, so the welcome card is in the page's language
      // too (directlinejs `conversationStartProperties.locale`; Web Chat stamps its own on every later activity).
      current = window.WebChat.createDirectLine({
        token: body.token,
        domain: body.domain,
        conversationStartProperties: { locale: strings.locale },
      });
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
        conversationStartProperties: { locale: strings.locale },
        webSocket: false,
      });
      current.end();
      current = polling;
      var old = document.getElementById('webchat');
      var fresh = old.cloneNode(false);
      old.parentNode.replaceChild(fresh, old);
      render(polling);
    }
  }

  /**
   * A WebSocket constructor for directlinejs that calls `onUnavailable` when a stream closes without ever having
   * opened, instead of letting directlinejs retry a blocked stream for good while the chat stays empty.
   */
  function watchedWebSocket(NativeWebSocket, onUnavailable) {
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
    return WatchedWebSocket;
  }

  function render(directLine) {
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        // No userID: Web Chat reads it from the token, which binds the dl_ id the server chose (it refuses one passed here).
        // The page's language: Web Chat's own strings and timestamps follow it, and it puts it on every activity
        // as `locale`, so the bot answers in it.
        locale: strings.locale,
        // Web Chat's emotion styles carry the page's nonce, so the Content-Security-Policy needs no 'unsafe-inline'.
        nonce: nonce,
        styleOptions: {
          accent: '#0b5cad',
          botAvatarInitials: strings.botInitials,
          userAvatarInitials: strings.userInitials,
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
      document.getElementById('webchat'),
    );
    status.textContent = '';
  }

  start().catch(function (error) {
    showProblem(error && error.message ? error.message : strings.cannotStart);
  });
})();
