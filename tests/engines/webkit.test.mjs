// The core flows in WebKitGTK's MiniBrowser (the engine of Safari on iPhones), headed under xvfb-run:
// scripts/test's `webkit` tier.
//   xvfb-run -a -s '-screen 0 1280x1024x24' node --test tests/engines/webkit.test.mjs
import { engineSuite } from './flows.mjs';

engineSuite('webkit');
