from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def generate_computer(computer_id: int) -> None:
    from studio.generation.pipeline import computer_generate
    from studio.models import Computer

    computer = Computer.objects.select_related("persona").filter(pk=computer_id).first()
    if computer is None or computer.state == Computer.State.READY:
        return
    computer_generate(computer=computer)
