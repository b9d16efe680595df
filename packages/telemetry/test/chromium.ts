/**
 * The dashboard's browser tests drive a real headless Chromium: the one that arrives with
 * `pnpm install` (see `@varplane/test-servers`), or the one `VARPLANE_CHROMIUM` names.
 */
export { CHROMIUM_ARGS, launchChromium } from '@varplane/test-servers';
