using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace BatchInsights.Bench;

/// <summary>Appends rows to one table, column values in the order given when the table was opened.</summary>
internal interface IBulkTable : IDisposable
{
    void Add(params object?[] values);
}

/// <summary>
/// Fast bulk loading for the generated benchmark data, bypassing EF (a million rows through SaveChanges would dominate
/// the run): SQLite = prepared INSERTs in one transaction; PostgreSQL = text COPY, one table at a time.
/// </summary>
internal interface IBulkWriter : IAsyncDisposable
{
    IBulkTable Open(string table, params string[] columns);

    Task CommitAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteBulkWriter : IBulkWriter
{
    private readonly SqliteConnection _connection;
    private SqliteTransaction? _transaction;

    public SqliteBulkWriter(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        using (var pragma = _connection.CreateCommand())
        {
            // A bulk load that can be redone: durability is not needed while filling.
            pragma.CommandText = "PRAGMA synchronous=OFF;";
            pragma.ExecuteNonQuery();
        }
    }

    public IBulkTable Open(string table, params string[] columns)
    {
        // Begun on first use, so EF may still write the small tables on its own connection before.
        _transaction ??= _connection.BeginTransaction();
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) "
            + $"VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)))})";
        for (var i = 0; i < columns.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + i.ToString(CultureInfo.InvariantCulture), null));
        }

        command.Prepare();
        return new Table(command);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken);
            await _transaction.DisposeAsync();
            _transaction = null;
        }

        await using var pragma = _connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=NORMAL; ANALYZE;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
        }

        await _connection.DisposeAsync();
    }

    private sealed class Table(SqliteCommand command) : IBulkTable
    {
        public void Add(params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
        }

        public void Dispose() => command.Dispose();
    }
}

internal sealed class PostgresBulkWriter(string connectionString) : IBulkWriter
{
    private readonly NpgsqlConnection _connection = Open(connectionString);

    public IBulkTable Open(string table, params string[] columns) =>
        new Table(_connection.BeginTextImport($"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) FROM STDIN"));

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await using var analyze = new NpgsqlCommand("ANALYZE", _connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>COPY text format: tab-separated, \N for null, backslash escapes.</summary>
    private sealed class Table(TextWriter writer) : IBulkTable
    {
        private readonly StringBuilder _line = new();

        public void Add(params object?[] values)
        {
            _line.Clear();
            for (var i = 0; i < values.Length; i++)
            {
                if (i > 0)
                {
                    _line.Append('\t');
                }

                _line.Append(values[i] switch
                {
                    null => "\\N",
                    bool b => b ? "t" : "f",
                    DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.ffffff+00", CultureInfo.InvariantCulture),
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var other => Escape(other.ToString() ?? ""),
                });
            }

            writer.Write(_line.Append('\n'));
        }

        public void Dispose() => writer.Dispose();

        private static string Escape(string text) =>
            text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
    }
}
