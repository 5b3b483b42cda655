from bsf.main import main

main()
