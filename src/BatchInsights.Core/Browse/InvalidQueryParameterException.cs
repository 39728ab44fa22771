namespace BatchInsights.Core.Browse;

/// <summary>A caller-supplied query parameter is out of range or malformed; the API answers 400 naming it.</summary>
public sealed class InvalidQueryParameterException : Exception
{
    public InvalidQueryParameterException(string parameter, string message)
        : base(message)
    {
        Parameter = parameter;
    }

    public InvalidQueryParameterException()
    {
        Parameter = "";
    }

    public InvalidQueryParameterException(string message)
        : base(message)
    {
        Parameter = "";
    }

    public InvalidQueryParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
        Parameter = "";
    }

    public string Parameter { get; }
}
