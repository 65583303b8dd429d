// EarshotEvents module
