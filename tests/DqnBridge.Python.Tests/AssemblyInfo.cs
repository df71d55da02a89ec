// Tests share one embedded Python interpreter and one libtorch per process; run them one class at a time.
[assembly: DoNotParallelize]
