// One interpreter per process, started by the "host" below; the tests take turns with it.
[assembly: DoNotParallelize]
