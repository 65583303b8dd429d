// EarshotDetector module
