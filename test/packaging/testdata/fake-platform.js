'use strict';
// Preloaded with `node -r` so launcher.js believes it runs on another
// platform and architecture; lets one Linux host test every mapping.
Object.defineProperty(process, 'platform', { value: process.env.FAKE_PLATFORM });
Object.defineProperty(process, 'arch', { value: process.env.FAKE_ARCH });
