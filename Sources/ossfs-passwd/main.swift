// ossfs-passwd: sets up and checks ossfs credential files. See man/ossfs-passwd.1.
CommandLineRunner.run(Array(CommandLine.arguments.dropFirst()))
