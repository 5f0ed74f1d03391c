using System;
using System.IO;

namespace IdLE.ConsoleHost
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            HostOptions options;
            try
            {
                options = HostOptions.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(HostOptions.Usage);
                return 64;
            }

            if (options.Help)
            {
                Console.WriteLine(HostOptions.Usage);
                return 0;
            }

            try
            {
                return new ScriptRunner(options).Run();
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine(e.Message);
                return 64;
            }
        }
    }
}
