#!/usr/bin/env python
from fangkong.__main__ import main

if __name__ == "__main__":
    main()
