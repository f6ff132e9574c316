from klappt.cli import main

main()
