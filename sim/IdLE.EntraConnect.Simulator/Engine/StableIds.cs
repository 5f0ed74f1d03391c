using System;
using System.Security.Cryptography;
using System.Text;

namespace IdLE.EntraConnect.Simulator.Engine
{
    /// <summary>Name-based GUIDs, so a connector or run profile keeps its id across resets and processes.</summary>
    public static class StableIds
    {
        public static Guid For(string kind, string name)
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes("IdLE.EntraConnect.Simulator/" + kind + "/" + name.ToLowerInvariant()));
            byte[] bytes = new byte[16];
            Array.Copy(hash, bytes, 16);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5 style
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
            return new Guid(bytes);
        }

        public static Guid Connector(string name) => For("connector", name);

        public static Guid RunProfile(string connectorName, string profileName) => For("runprofile", connectorName + "/" + profileName);
    }
}
