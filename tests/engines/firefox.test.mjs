// The core flows in Debian's Firefox ESR (Gecko), headed under xvfb-run: scripts/test's `firefox` tier.
//   xvfb-run -a -s '-screen 0 1280x1024x24' node --test tests/engines/firefox.test.mjs
import { engineSuite } from './flows.mjs';

engineSuite('firefox');
