# Multi-stage build: SDK build -> ASP.NET runtime. All settings come from environment variables
# (e.g. Database__Provider=Postgres, Database__ConnectionString=..., Aws__Mode=Aws).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/BatchInsights.Web/BatchInsights.Web.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# SQLite database and Hangfire storage live under /app/data: mount a volume there.
RUN mkdir -p /app/data && chown -R app:app /app/data
VOLUME /app/data
USER app
ENV Urls=http://+:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["dotnet", "BatchInsights.Web.dll", "--healthcheck"]
ENTRYPOINT ["dotnet", "BatchInsights.Web.dll"]
