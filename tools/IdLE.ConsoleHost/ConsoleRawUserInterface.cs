using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace IdLE.ConsoleHost
{
    /// <summary>The raw console: sizes and colours; screen-buffer editing is not supported.</summary>
    internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
    {
        private const int DefaultWidth = 120;
        private const int DefaultHeight = 50;
        private readonly bool _terminal;

        public ConsoleRawUserInterface(bool terminal)
        {
            _terminal = terminal;
            ForegroundColor = ConsoleColor.Gray;
            BackgroundColor = ConsoleColor.Black;
        }

        public override ConsoleColor ForegroundColor { get; set; }
        public override ConsoleColor BackgroundColor { get; set; }

        public override Coordinates CursorPosition
        {
            get => new Coordinates(0, 0);
            set { }
        }

        public override int CursorSize { get; set; } = 25;

        public override Size BufferSize
        {
            get => new Size(Width, 9001);
            set { }
        }

        public override Size WindowSize
        {
            get => new Size(Width, Height);
            set { }
        }

        public override Size MaxWindowSize => WindowSize;
        public override Size MaxPhysicalWindowSize => WindowSize;

        public override Coordinates WindowPosition
        {
            get => new Coordinates(0, 0);
            set { }
        }

        public override bool KeyAvailable => false;

        public override string WindowTitle { get; set; } = "IdLE.ConsoleHost";

        public int Width
        {
            get
            {
                if (_terminal)
                {
                    try
                    {
                        int width = Console.WindowWidth;
                        if (width > 0)
                        {
                            return width;
                        }
                    }
                    catch (System.IO.IOException)
                    {
                    }
                }

                return DefaultWidth;
            }
        }

        private int Height
        {
            get
            {
                if (_terminal)
                {
                    try
                    {
                        int height = Console.WindowHeight;
                        if (height > 0)
                        {
                            return height;
                        }
                    }
                    catch (System.IO.IOException)
                    {
                    }
                }

                return DefaultHeight;
            }
        }

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException("This host has no screen buffer.");

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host does not read keys.");

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
            throw new NotSupportedException("This host has no screen buffer.");

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
            throw new NotSupportedException("This host has no screen buffer.");

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) =>
            throw new NotSupportedException("This host has no screen buffer.");
    }
}
