using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace IdLE.EntraConnect.Engine.Tests;

/// <summary>Many calls, collections and threads: the process must never crash.</summary>
public class ProviderStressTests
{
    [Fact]
    public void Ten_thousand_calls_in_a_loop_complete()
    {
        using var engine = new Engine();
        var r = engine.Run(@"
            $p = New-IdleEntraConnectDirectorySyncProvider
            $s = New-HappySession
            $started = 0; $idle = 0
            for ($i = 0; $i -lt 5000; $i++) {
                if ($p.StartSyncCycle('Delta', $s).Started) { $started++ }
                if ($p.GetSyncCycleState($s).State -eq 'Idle') { $idle++ }
                if ($i % 1000 -eq 0) { [GC]::Collect() }
            }
            $started; $idle; $s.Calls.Count").Select(o => o.BaseObject).ToArray();
        Assert.Equal(new object[] { 5000, 5000, 10000 }, r);
    }

    [Fact]
    public async Task Providers_in_two_runspaces_work_at_the_same_time()
    {
        const string script = @"
            $p = New-IdleEntraConnectDirectorySyncProvider
            $s = New-HappySession
            $ok = 0
            for ($i = 0; $i -lt 1000; $i++) {
                if ($p.StartSyncCycle('Initial', $s).Started -and $p.GetSyncCycleState($s).State -eq 'Idle') { $ok++ }
            }
            $ok";
        using var a = new Engine();
        using var b = new Engine();
        var ta = Task.Run(() => a.Value(script));
        var tb = Task.Run(() => b.Value(script));
        object?[] results = await Task.WhenAll(ta, tb);
        Assert.Equal(new object?[] { 1000, 1000 }, results);
    }
}
