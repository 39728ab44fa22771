using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace BatchInsights.Core.Browse;

/// <summary>
/// The keyset position after a row: (CreatedAtMs, JobId), as an opaque URL-safe string.
/// Opaque so that clients do not build positions themselves and the format can change ("v1" prefix).
/// </summary>
public readonly record struct JobCursor(long CreatedAtMs, string JobId)
{
    private const string Version = "v1";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}:{CreatedAtMs}:{JobId}")));

    public static bool TryDecode(string? value, out JobCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrWhiteSpace(value) || value.Length > 512 || !Base64Url.IsValid(value))
        {
            return false;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
        }
        catch (FormatException)
        {
            return false;
        }

        // The job id comes last so it may itself contain ':'.
        var parts = text.Split(':', 3);
        if (parts.Length != 3 || parts[0] != Version || parts[2].Length == 0
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            return false;
        }

        cursor = new JobCursor(ms, parts[2]);
        return true;
    }
}
