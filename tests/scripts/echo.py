import os

print(os.environ["MESSAGE"], flush=True)
print("cwd " + os.getcwd(), flush=True)
print("files " + ",".join(sorted(os.listdir("."))), flush=True)
