// The zod of everything a Lambda function bundles: zod/mini (functional and tree-shakable: about 30 KB of a bundle with
// our schemas, where the full zod is about 90) with the English messages the full zod sets by itself, so an issue reads
// the same from either (tests assert the messages).
// Import it as a namespace (`import * as z from '…/core/zod'`), never `import { z }`: a namespace object esbuild cannot
// see through keeps all of zod, locales included.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
