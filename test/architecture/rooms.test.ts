import { strict as assert } from 'node:assert';
import { importProblems, probeImports, sources, targetOf } from './sourceImports';

/** The Bot Framework SDK's packages: the domain and the adapters outlive it (DESIGN.md). */
const SDK = /^(botbuilder|botframework)(-[a-z-]+)?(\/|$)/;
/** The rooms above the domain and the adapters: the imports go one way, down to them (docs/architecture.md). */
const ABOVE = ['bot', 'dialogs', 'conversation', 'cards', 'server', 'sandbox', 'ops', 'index.ts'];

function roomOf(file: string): string {
  return file.split('/')[0] ?? file;
}

/** What is wrong with a file of services/ or adapters/ naming `specifier`, or undefined. */
function wrongArrow(from: string, specifier: string): string | undefined {
  const room = roomOf(from);
  if (room === 'config') {
    // The settings are read by every room and read none of them but the domain's (its errors, the log's redaction).
    const target = targetOf(from, specifier);
    if (target === undefined || ['config', 'services'].includes(roomOf(target))) return undefined;
    return `${from} imports "${specifier}": config/ imports nothing but services/`;
  }
  if (room !== 'services' && room !== 'adapters') return undefined;
  if (SDK.test(specifier)) return `${from} imports "${specifier}": ${room}/ imports nothing from botbuilder`;
  const target = targetOf(from, specifier);
  if (target === undefined) return undefined;
  const to = roomOf(target);
  if (room === 'services' && to === 'adapters')
    return `${from} imports "${specifier}": the domain imports no adapter (adapters implement its ports)`;
  if (ABOVE.includes(to) || target === 'index') return `${from} imports "${specifier}", a room above ${room}/`;
  return undefined;
}

describe('the rooms of the domain and the adapters (issue 23)', () => {
  it('keeps the arrows: services/ imports no adapter, neither imports botbuilder or a room above them, config/ only services/', () => {
    const files = [...sources('services'), ...sources('adapters'), ...sources('config')];
    assert.ok(files.filter((f) => f.startsWith('adapters/')).length > 30, 'the adapters were scanned');
    assert.ok(files.filter((f) => f.startsWith('services/')).length > 20, 'the domain was scanned');
    assert.deepEqual(importProblems(files, wrongArrow), []);
  });

  it('finds each kind of wrong arrow, so the check above can fail', () => {
    const probe = (file: string, text: string) => probeImports(file, text, wrongArrow);
    assert.equal(probe('services/closingLease.ts', "import { isHttpError } from '../adapters/http/httpError';").length, 1);
    assert.equal(probe('services/closure/closingEngine.ts', "const x = require('../../adapters/storage/turnScope');").length, 1);
    assert.equal(probe('services/logger.ts', "import { ActivityTypes } from 'botbuilder';").length, 1);
    assert.equal(probe('adapters/graph/x.ts', "import type { TurnContext } from 'botbuilder-core';").length, 1);
    assert.equal(probe('adapters/webchat/x.ts', "import { DirectLine } from 'botframework-connector';").length, 1);
    assert.equal(probe('adapters/http/x.ts', "import { Messages } from '../../conversation/messages';").length, 1);
    assert.equal(probe('services/x.ts', "import { renderCard } from '../cards/renderCard';").length, 1);
    assert.equal(probe('adapters/graph/x.ts', "import { AppError } from '../../services/errors';").length, 0);
    assert.equal(probe('config/config.ts', "import { redactUrl } from '../adapters/http/httpError';").length, 1);
    assert.equal(probe('config/config.ts', "import { redactUrl } from '../services/logger';").length, 0);
    assert.equal(probe('adapters/createAdapters.ts', "import type { BotConfig } from '../config/config';").length, 0);
    assert.equal(probe('services/x.ts', "import { createHmac } from 'node:crypto';").length, 0);
    assert.equal(probe('bot/x.ts', "import { ActivityTypes } from 'botbuilder';").length, 0);
  });
});
