using PriorTransfer.Experiments;

namespace PriorTransfer.Tests.Experiments;

public sealed class RunEnvironmentTests
{
    /// <summary>Built inside the repository, the library knows its commit even when run from a folder outside it.</summary>
    [Fact]
    public void TheCommitComesFromTheBuildNotTheWorkingFolder()
    {
        string outside = Directory.CreateTempSubdirectory("priortransfer-nogit-").FullName;
        try
        {
            string commit = RunEnvironment.GitCommit(outside);
            Assert.Matches("^[0-9a-f]{7,40}(-dirty)?$", commit);
        }
        finally
        {
            Directory.Delete(outside);
        }
    }
}
