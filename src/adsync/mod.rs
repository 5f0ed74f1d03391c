//! ADSync knowledge: the commands sent to an Entra Connect server and the parsers for what it
//! answers, in every shape listed in `ADSYNC.md` (live, deserialized by remoting, JSON from
//! PowerShell 7 or Windows PowerShell 5.1).
