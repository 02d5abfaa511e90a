from studio.llm.gateway import backend_label


def llm_backend(request):
    return {"llm_backend": backend_label()}
