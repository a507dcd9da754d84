// Starts Web Chat: asks the bot's server for a Direct Line token (the secret stays on the server), then renders
// Web Chat from the bundle served at /webchat/webchat.js. Polling only (webSocket: false): the local sandbox has
// no WebSocket stream, and polling works the same against Azure Direct Line.
(function () {
  'use strict';

  var status = document.getElementById('chat-status');
  var nonce = document.querySelector('meta[name="webchat-nonce"]').getAttribute('content');

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
    var body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      throw new Error((body && body.error && body.error.message) || 'The chat could not start (' + response.status + ').');
    }
    var directLine = window.WebChat.createDirectLine({ token: body.token, domain: body.domain, webSocket: false });
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
      document.getElementById('webchat'),
    );
    status.textContent = '';
  }

  start().catch(function (error) {
    showProblem(error && error.message ? error.message : 'The chat could not start. Please reload the page.');
  });
})();
