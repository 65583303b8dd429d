// EarshotEngine module
