/*
 * The one default version string of every memeter program.  A build may
 * still pass -DMEMETER_VERSION=... (a release, or the pool reload test that
 * rebuilds memeter-fcgi under another name to see the new binary answer).
 */
#ifndef MEMETER_VERSION_H
#define MEMETER_VERSION_H

#ifndef MEMETER_VERSION
#define MEMETER_VERSION "0.1.0"
#endif

#endif /* MEMETER_VERSION_H */
