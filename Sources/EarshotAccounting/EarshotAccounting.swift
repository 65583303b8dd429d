// EarshotAccounting module
