namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>One control plane per test class; tests isolate themselves with their own agents and tags.</summary>
public sealed class ControlPlaneFixture : IAsyncLifetime
{
    private ControlPlane? _controlPlane;

    public ControlPlane ControlPlane => _controlPlane ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _controlPlane = await ControlPlane.StartAsync();

    public async Task DisposeAsync()
    {
        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
        }
    }

    /// <summary>A tag no other test uses, so this test's jobs only reach this test's agents.</summary>
    public static string UniqueTag() => "t-" + Guid.NewGuid().ToString("N")[..10];
}
