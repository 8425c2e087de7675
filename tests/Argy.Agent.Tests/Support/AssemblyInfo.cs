using System.Runtime.Versioning;

// The agent runs jobs with /bin/sh and Unix file modes; so do its tests.
[assembly: SupportedOSPlatform("linux")]
