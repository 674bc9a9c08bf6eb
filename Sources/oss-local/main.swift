print("oss-local: not yet built")
