// Dockside's small client: scanner focus, feedback, camera and the offline queue grow here.
"use strict";
