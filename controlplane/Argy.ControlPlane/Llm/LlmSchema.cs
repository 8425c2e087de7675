namespace Argy.ControlPlane.Llm;

/// <summary>The tables of LLM credits.</summary>
public static class LlmSchema
{
    public const string Migration =
        """
        SELECT 1;
        """;
}
